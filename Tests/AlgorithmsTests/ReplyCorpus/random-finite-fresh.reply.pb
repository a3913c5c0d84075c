
E

lr0.024

momentum0.7

layers6

batch64

optftrl
E

lr0.085

momentum0.9

layers4

batch64

optadam
E

lr0.066

momentum0.6

layers2

batch32

optadam