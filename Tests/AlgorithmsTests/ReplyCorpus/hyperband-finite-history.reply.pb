
˜

lr0.001

momentum0.7

layers6

batch64

optftrl

epochs3exp-hb-1-c-0-c4
/hyperband.suggestion.katib.kubeflow.org/bracket1
˜

lr0.001

momentum0.9

layers6

batch16

optadam

epochs3exp-hb-1-d-0-d4
/hyperband.suggestion.katib.kubeflow.org/bracket1
—

lr0.019

momentum0.5

layers6

batch16


optsgd

epochs9exp-hb-2-e-0-e4
/hyperband.suggestion.katib.kubeflow.org/bracket0