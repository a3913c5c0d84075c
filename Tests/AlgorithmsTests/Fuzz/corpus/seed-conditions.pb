
ø
expð
l

optsgdadam(

momentum
0.990.5(

nesterovoffon(

beta20.990.999(accuracyp
tpeR

conditionsDmomentum: opt in (sgd); nesterov: opt in (sgd); beta2: opt in (adam)
n_startup_trials1([
t0><


optsgd

momentum0.9

nesterovon

beta20.99"

accuracy0.5^
t1A?

optadam

momentum0.5

nesterovoff

beta20.999"

accuracy0.4 (