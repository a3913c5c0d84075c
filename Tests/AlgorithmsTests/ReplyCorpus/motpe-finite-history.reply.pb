
D

lr0.005

momentum0.5

layers6

batch64


optsgd
D

lr0.001

momentum0.9

layers4

batch64


optsgd
E

lr0.056

momentum0.9

layers6

batch32

optadam