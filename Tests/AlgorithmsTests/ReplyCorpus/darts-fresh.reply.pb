
»
¯
algorithm-settings˜{'num_epochs': 50, 'w_lr': 0.025, 'w_lr_min': 0.001, 'w_momentum': 0.9, 'w_weight_decay': 0.0003, 'w_grad_clip': 5.0, 'alpha_lr': 0.0003, 'alpha_weight_decay': 0.001, 'batch_size': 128, 'num_workers': 4, 'init_channels': 16, 'print_step': 50, 'num_nodes': 4, 'stem_multiplier': 3}
v
search-spacef['separable_convolution_3x3', 'dilated_convolution_3x3', 'dilated_convolution_5x5', 'skip_connection']


num-layers3
»
¯
algorithm-settings˜{'num_epochs': 50, 'w_lr': 0.025, 'w_lr_min': 0.001, 'w_momentum': 0.9, 'w_weight_decay': 0.0003, 'w_grad_clip': 5.0, 'alpha_lr': 0.0003, 'alpha_weight_decay': 0.001, 'batch_size': 128, 'num_workers': 4, 'init_channels': 16, 'print_step': 50, 'num_nodes': 4, 'stem_multiplier': 3}
v
search-spacef['separable_convolution_3x3', 'dilated_convolution_3x3', 'dilated_convolution_5x5', 'skip_connection']


num-layers3