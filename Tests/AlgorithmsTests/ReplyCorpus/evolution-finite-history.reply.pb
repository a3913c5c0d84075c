
P

lr0.082

momentum0.9

layers2

batch32

optftrl	exp-evo-c
O

lr0.004

momentum0.9

layers4

batch64


optsgd	exp-evo-d
O

lr0.001

momentum0.6

layers4

batch64


optsgd	exp-evo-e