
À
(
architecture[[5], [0, 0], [5, 0, 1]]
û
	nn_configê{'num_layers': 3, 'input_sizes': [32, 32, 3], 'output_sizes': [10], 'embedding': {'5': {'opt_id': 5, 'opt_type': 'reduction', 'opt_params': {'reduction_type': 'avg_pooling'}}, '0': {'opt_id': 0, 'opt_type': 'convolution', 'opt_params': {'filter_size': '3', 'stride': 1}}}}
À
(
architecture[[0], [4, 0], [0, 0, 0]]
û
	nn_configê{'num_layers': 3, 'input_sizes': [32, 32, 3], 'output_sizes': [10], 'embedding': {'0': {'opt_id': 0, 'opt_type': 'convolution', 'opt_params': {'filter_size': '3', 'stride': 1}}, '4': {'opt_id': 4, 'opt_type': 'reduction', 'opt_params': {'reduction_type': 'max_pooling'}}}}