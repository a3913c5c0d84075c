
ç

lr0.016

momentum0.7

layers6

batch32

optadamexp-cmaes-0-0-c-c3
.cmaes.suggestion.katib.kubeflow.org/generation0
å

lr0.001

momentum0.7

layers6

batch32


optsgdexp-cmaes-0-0-d-d3
.cmaes.suggestion.katib.kubeflow.org/generation0
å

lr0.004

momentum0.5

layers4

batch32


optsgdexp-cmaes-0-0-e-e3
.cmaes.suggestion.katib.kubeflow.org/generation0