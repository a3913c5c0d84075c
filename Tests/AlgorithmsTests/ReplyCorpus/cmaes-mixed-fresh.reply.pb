
÷

lr0.0050020358712865275

dropout-0.157024598258363

scale0.4360409463414867

wd0.01546877994116222

units15


depth7

k0

batch32

optftrlexp-cmaes-0-0-0-03
.cmaes.suggestion.katib.kubeflow.org/generation0
÷

lr0.05167809411019857

dropout-0.05762603063267013

scale2.2945083317289487

wd0.024890673935492925


units5


depth4

k0

batch32

optftrlexp-cmaes-0-0-1-13
.cmaes.suggestion.katib.kubeflow.org/generation0
ù

lr0.0008483561239249289

dropout0.13169946661283505

scale0.8752387304593547

wd0.017634407201189056

units49


depth7

k1

batch32

optftrlexp-cmaes-0-0-2-23
.cmaes.suggestion.katib.kubeflow.org/generation0