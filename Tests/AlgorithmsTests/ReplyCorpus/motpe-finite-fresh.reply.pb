
E

lr0.003

momentum0.6

layers6

batch32

optadam
E

lr0.001

momentum0.8

layers4

batch32

optftrl
E

lr0.008

momentum0.8

layers6

batch32

optadam