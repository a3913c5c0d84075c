
D

lr0.001

momentum0.5

layers4

batch16


optsgd
E

lr0.001

momentum0.5

layers4

batch16

optadam
E

lr0.001

momentum0.5

layers4

batch16

optftrl