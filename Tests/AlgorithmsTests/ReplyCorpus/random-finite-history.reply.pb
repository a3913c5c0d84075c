
D

lr0.039

momentum0.7

layers4

batch16


optsgd
E

lr0.006

momentum0.9

layers6

batch16

optftrl
E

lr0.005

momentum0.7

layers6

batch32

optadam