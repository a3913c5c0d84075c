
E

lr0.037

momentum0.5

layers6

batch64

optadam
D

lr0.001

momentum0.9

layers4

batch32


optsgd
D


lr0.01

momentum0.6

layers8

batch16

optftrl