
À
(
architecture[[4], [2, 1], [2, 1, 1]]
û
	nn_configê{'num_layers': 3, 'input_sizes': [32, 32, 3], 'output_sizes': [10], 'embedding': {'4': {'opt_id': 4, 'opt_type': 'reduction', 'opt_params': {'reduction_type': 'max_pooling'}}, '2': {'opt_id': 2, 'opt_type': 'convolution', 'opt_params': {'filter_size': '5', 'stride': 1}}}}
´
(
architecture[[0], [4, 0], [1, 1, 0]]
˛
	nn_config{'num_layers': 3, 'input_sizes': [32, 32, 3], 'output_sizes': [10], 'embedding': {'0': {'opt_id': 0, 'opt_type': 'convolution', 'opt_params': {'filter_size': '3', 'stride': 1}}, '4': {'opt_id': 4, 'opt_type': 'reduction', 'opt_params': {'reduction_type': 'max_pooling'}}, '1': {'opt_id': 1, 'opt_type': 'convolution', 'opt_params': {'filter_size': '3', 'stride': 2}}}}