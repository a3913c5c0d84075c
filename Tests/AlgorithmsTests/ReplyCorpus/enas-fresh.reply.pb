
À
(
architecture[[2], [2, 0], [5, 1, 0]]
û
	nn_configê{'num_layers': 3, 'input_sizes': [32, 32, 3], 'output_sizes': [10], 'embedding': {'2': {'opt_id': 2, 'opt_type': 'convolution', 'opt_params': {'filter_size': '5', 'stride': 1}}, '5': {'opt_id': 5, 'opt_type': 'reduction', 'opt_params': {'reduction_type': 'avg_pooling'}}}}
Î
(
architecture[[4], [4, 1], [4, 1, 1]]
æ
	nn_config∞{'num_layers': 3, 'input_sizes': [32, 32, 3], 'output_sizes': [10], 'embedding': {'4': {'opt_id': 4, 'opt_type': 'reduction', 'opt_params': {'reduction_type': 'max_pooling'}}}}