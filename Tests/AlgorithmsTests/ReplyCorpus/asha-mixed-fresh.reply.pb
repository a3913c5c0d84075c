
ý

lr0.00020194381318805582

dropout-0.01823567980953056

scale0.5641220618880526

wd0.023515804527836272

units53


depth1

k1

batch64


optsgd

epochs1exp-asha-0-0-0,
'asha.suggestion.katib.kubeflow.org/rung0
ù

lr0.00002074152821691576

dropout0.1673371251408704

scale2.244716967029541

wd0.026116992669519803


units3


depth1

k0

batch64


optsgd

epochs1exp-asha-1-0-1,
'asha.suggestion.katib.kubeflow.org/rung0
ú

lr0.0729783930972636

dropout0.12315403962936944

scale0.14056294604013195

wd0.037282632971093056

units10


depth1

k2

batch64

optadam

epochs1exp-asha-2-0-2,
'asha.suggestion.katib.kubeflow.org/rung0