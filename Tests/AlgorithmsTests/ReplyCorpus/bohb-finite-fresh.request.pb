
ú
expò
¨

lr
0.10.001"0.001(

momentum
0.90.5"0.1(

layers
82"2(

batch321664(

optsgdadamftrl(

epochs
91(accuracy3
bohb
r_l9
resource_nameepochs
eta3(0( (