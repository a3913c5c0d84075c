
O

lr0.016

momentum0.8

layers4

batch64


optsgd	exp-evo-c
O

lr0.015

momentum0.8

layers2

batch16


optsgd	exp-evo-d
O

lr0.029

momentum0.9

layers2

batch16


optsgd	exp-evo-e