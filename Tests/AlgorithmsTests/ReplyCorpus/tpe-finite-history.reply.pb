
E

lr0.009

momentum0.8

layers6

batch32

optftrl
D

lr0.002

momentum0.7

layers4

batch16


optsgd
E

lr0.003

momentum0.5

layers8

batch32

optftrl