
E

lr0.066

momentum0.7

layers4

batch64

optadam
D

lr0.028

momentum0.8

layers6

batch32


optsgd
E

lr0.001

momentum0.9

layers4

batch16

optadam