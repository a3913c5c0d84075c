
E

lr0.006

momentum0.5

layers4

batch64

optadam
E

lr0.009

momentum0.6

layers6

batch16

optadam
E

lr0.005

momentum0.8

layers8

batch32

optadam