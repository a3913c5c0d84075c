
¡
¨ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppè


x
10(accuracyj
pbt3
suggestion_trial_dir/var/log/katib/checkpoints/
n_population5
truncation_threshold0.2( (