
õ

lr0.001127846107413916

dropout0.16440847445172457

scale2.925089379814154

wd0.07877111032983385


units4


depth4

k0

batch32

optadamexp-cmaes-0-0-0-03
.cmaes.suggestion.katib.kubeflow.org/generation0
ö

lr0.06757611107240497

dropout-0.07367603976179951

scale0.4204532250751179

wd0.03846186620727148

units15


depth4

k2

batch32


optsgdexp-cmaes-0-0-1-13
.cmaes.suggestion.katib.kubeflow.org/generation0
ø

lr0.004405187812210609

dropout-0.07212289960760232

scale1.276823800645373

wd0.042443942276393504

units23


depth4

k0

batch16

optftrlexp-cmaes-0-0-2-23
.cmaes.suggestion.katib.kubeflow.org/generation0