"""Models: the zoo, ONNX graphs, safetensors headers, Hugging Face configs, model facts, split points."""
