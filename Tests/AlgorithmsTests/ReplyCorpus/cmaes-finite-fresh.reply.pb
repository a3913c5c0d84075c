
ç

lr0.004

momentum0.8

layers6

batch64

optadamexp-cmaes-0-0-0-03
.cmaes.suggestion.katib.kubeflow.org/generation0
å

lr0.029

momentum0.7

layers4

batch32


optsgdexp-cmaes-0-0-1-13
.cmaes.suggestion.katib.kubeflow.org/generation0
ç

lr0.008

momentum0.7

layers6

batch32

optftrlexp-cmaes-0-0-2-23
.cmaes.suggestion.katib.kubeflow.org/generation0