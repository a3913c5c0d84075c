
D

lr0.097

momentum0.8

layers4

batch32


optsgd
E

lr0.023

momentum0.7

layers2

batch64

optadam
E

lr0.004

momentum0.6

layers6

batch64

optadam