
ý

lr0.000010020350026908215

dropout-0.1200263158876399

scale0.6181010871965514

wd0.02566683109214242

units53


depth4

k1

batch16

optftrl

epochs3exp-asha-9-1-c,
'asha.suggestion.katib.kubeflow.org/rung1
û

lr0.033843583016550376

dropout0.09312163038446686

scale1.3297530862863374

wd0.029380731107208215

units793


depth4

k3

batch64


optsgd

epochs1exp-asha-d-0-d,
'asha.suggestion.katib.kubeflow.org/rung0
þ

lr0.00001606304697277457

dropout0.03253059569002381

scale4.884169013797633

wd0.0023999299054924595

units10


depth4

k-3

batch32

optftrl

epochs1exp-asha-e-0-e,
'asha.suggestion.katib.kubeflow.org/rung0