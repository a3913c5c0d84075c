
ê

lr0.001

momentum0.8

layers6

batch16

optftrl

epochs3exp-asha-9-1-c,
'asha.suggestion.katib.kubeflow.org/rung1
ê

lr0.009

momentum0.6

layers8

batch16

optftrl

epochs3exp-asha-8-1-d,
'asha.suggestion.katib.kubeflow.org/rung1
è

lr0.013

momentum0.7

layers2

batch16


optsgd

epochs1exp-asha-e-0-e,
'asha.suggestion.katib.kubeflow.org/rung0