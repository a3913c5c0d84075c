
›
exp“
’

lr
0.10.001"0.001(

momentum
0.90.5"0.1(

layers
82"2(

batch321664(

optsgdadamftrl(accuracyj
pbt3
suggestion_trial_dir/var/log/katib/checkpoints/
n_population5
truncation_threshold0.2(0( (