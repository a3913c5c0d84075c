
÷

lr0.001442254213601241

dropout-0.15314582312949887

scale1.268617758418305

wd0.03397215185514446

units13


depth7

k2

batch64

optftrlexp-cmaes-0-0-c-c3
.cmaes.suggestion.katib.kubeflow.org/generation0
÷

lr0.05786608712538642

dropout0.26543619720885614

scale1.9084475866952688

wd0.049347471725093926

units35


depth4

k-1

batch32


optsgdexp-cmaes-0-0-d-d3
.cmaes.suggestion.katib.kubeflow.org/generation0
ö

lr0.06683607333372475

dropout0.33450398829712813

scale0.8656332264683021

wd0.057888270038725737

units10


depth7

k0

batch16


optsgdexp-cmaes-0-0-e-e3
.cmaes.suggestion.katib.kubeflow.org/generation0