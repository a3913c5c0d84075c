
Ž
nas-exp‚Validation-Accuracy
enas(0
:[

  
M
K
convolution<
:
stride.
9223372036854775807-9223372036854775807"1 (