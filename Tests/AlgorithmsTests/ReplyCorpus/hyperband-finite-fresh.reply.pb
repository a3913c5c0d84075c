
—

lr0.001

momentum0.8

layers4

batch64


optsgd

epochs1exp-hb-0-0-0-04
/hyperband.suggestion.katib.kubeflow.org/bracket2
—

lr0.077

momentum0.6

layers6

batch16


optsgd

epochs1exp-hb-0-1-0-14
/hyperband.suggestion.katib.kubeflow.org/bracket2
˜

lr0.011

momentum0.5

layers6

batch32

optftrl

epochs1exp-hb-0-2-0-24
/hyperband.suggestion.katib.kubeflow.org/bracket2