
è
nas-expÉValidation-Accuracy
darts(0
:[

  
M
K
convolution<
:
stride.
9223372036854775807-9223372036854775807"1 (