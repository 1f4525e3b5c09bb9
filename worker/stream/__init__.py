"""kafka-python runtime: the consume → classify → produce → commit loop, topics, produce, replay."""
