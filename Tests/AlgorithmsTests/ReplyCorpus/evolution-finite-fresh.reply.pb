
P

lr0.052

momentum0.5

layers2

batch16

optftrl	exp-evo-0
O

lr0.043

momentum0.5

layers6

batch64


optsgd	exp-evo-1
O

lr0.001

momentum0.8

layers6

batch16


optsgd	exp-evo-2