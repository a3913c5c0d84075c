
E

lr0.001

momentum0.7

layers4

batch64

optftrl
E

lr0.015

momentum0.7

layers6

batch16

optftrl
D


lr0.08

momentum0.5

layers4

batch32

optadam