
÷

lr0.019462605413988202

dropout0.07626456939812176

scale2.319582343897919

wd0.06420209963205735

units133


depth4

k0

batch32

optadamexp-cmaes-0-0-c-c3
.cmaes.suggestion.katib.kubeflow.org/generation0
ú

lr0.000011567846841450362

dropout-0.06973863487344356

scale2.0097838217890205

wd0.06301111351174969

units51


depth4

k0

batch32


optsgdexp-cmaes-0-0-d-d3
.cmaes.suggestion.katib.kubeflow.org/generation0
ù

lr0.0007661465101274977

dropout-0.3398713053602075

scale0.4350703703736692

wd0.06644455166706224

units286


depth7

k-1

batch16


optsgdexp-cmaes-0-0-e-e3
.cmaes.suggestion.katib.kubeflow.org/generation0