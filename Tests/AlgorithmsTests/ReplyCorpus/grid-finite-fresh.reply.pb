
D

lr0.001

momentum0.5

layers2

batch32


optsgd
E

lr0.001

momentum0.5

layers2

batch32

optadam
E

lr0.001

momentum0.5

layers2

batch32

optftrl