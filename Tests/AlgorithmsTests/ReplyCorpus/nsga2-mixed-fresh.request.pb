
“
exp‹
×

lr
11e-5(

dropout
0.5-0.5(

scale
100.1(

wd

0.10(

units
10241(

depth
101"3(

k
3-3

batch321664(

optsgdadamftrl(accuracy
nsga2
population_size4(0( (