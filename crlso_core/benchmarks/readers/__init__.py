"""Readers of the benchmarks' official files, with no third-party API: NATS-Bench's "simple"
pickles into the NB201 table (nats_simple.py), and NAS-Bench-101's TFRecord files
(nb101_tfrecord.py, with the CRC32C and protobuf wire format they need: crc32c.py,
protowire.py) into the official NB101 table (nb101_official_table.py). Every reader of a file
a user names opens it through regular.py, which refuses a pipe, a device or a folder."""
