
Í
(
architecture[[1], [0, 1], [1, 1, 0]]
 
	nn_config’{'num_layers': 3, 'input_sizes': [32, 32, 3], 'output_sizes': [10], 'embedding': {'1': {'opt_id': 1, 'opt_type': 'convolution', 'opt_params': {'filter_size': '3', 'stride': 2}}, '0': {'opt_id': 0, 'opt_type': 'convolution', 'opt_params': {'filter_size': '3', 'stride': 1}}}}
Í
(
architecture[[0], [1, 1], [0, 0, 1]]
 
	nn_config’{'num_layers': 3, 'input_sizes': [32, 32, 3], 'output_sizes': [10], 'embedding': {'0': {'opt_id': 0, 'opt_type': 'convolution', 'opt_params': {'filter_size': '3', 'stride': 1}}, '1': {'opt_id': 1, 'opt_type': 'convolution', 'opt_params': {'filter_size': '3', 'stride': 2}}}}