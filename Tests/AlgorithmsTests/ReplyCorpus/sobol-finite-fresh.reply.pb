
E

lr0.007

momentum0.7

layers6

batch32

optadam
E

lr0.002

momentum0.6

layers4

batch64

optftrl
D

lr0.027

momentum0.8

layers6

batch16


optsgd