
D

lr0.029

momentum0.5

layers4

batch32


optsgd
E

lr0.001

momentum0.8

layers4

batch32

optftrl
E

lr0.065

momentum0.6

layers6

batch16

optadam