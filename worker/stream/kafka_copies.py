"""Fewer copies of every byte in kafka-python's fetch and produce paths.

kafka-python 3.0 moves a fetch response of up to `fetch_max_bytes` (8 MiB here) through
about ten full copies on its way to a record's `value`: the network parser slices each
received chunk (`data[i:j]` of bytes copies) before writing it into the frame buffer;
the response decoder reads the frame back as `bytes(frame[start:end])` (a bytearray slice,
then bytes of it: two copies); the record batch copies its slice into a bytearray; and
each value is `bytes(buffer[a:b])`, again two copies; and the decoder copies the
records field out of the frame before any of that. Frames over glibc's mmap threshold
(1 MiB in the worker, `worker.ops.memory`) are mapped afresh for every copy, so each copy
also costs a page fault per 4 KiB. On the produce side a batch's body is copied twice
before it is compressed, and every zstd batch builds a new compression context.

`install` replaces those few internal methods with the same code minus the copies (views
where kafka-python copied only to slice), and has the fetch response's records field
decoded as a view of the frame, once per process, and only for the kafka-python
versions it was written against; another version keeps its own code. What a consumer
returns is unchanged: keys, values and header values are `bytes`, header keys `str`.
Measured in docs/measurements.md ("kafka-python's copies").
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

# The versions whose internals this mirrors (kafka/protocol, kafka/record).
KNOWN_VERSIONS = ("3.0.",)
_installed = False
_zstd = threading.local()
# kafka-python's own methods, as they were before `install` (for the tests' comparisons).
KAFKA_PYTHON: dict[tuple[type, str], Any] = {}


def install() -> bool:
    """Patch kafka-python (idempotent); whether the copy-free paths are in use."""
    global _installed
    if _installed:
        return True
    import kafka
    from kafka.protocol import api_message, frame, parser
    from kafka.record import default_records

    batch = default_records.DefaultRecordBatch
    builder = default_records.DefaultRecordBatchBuilder
    if not kafka.__version__.startswith(KNOWN_VERSIONS) or not all(
        callable(getattr(owner, name, None))
        for owner, name in (
            (parser.KafkaProtocol, "receive_bytes"),
            (frame.KafkaBytes, "read"),
            (api_message.ApiMessage, "decode"),
            (batch, "_read_msg"),
            (batch, "_maybe_uncompress"),
            (builder, "_maybe_compress"),
        )
    ):
        log.info("kafka-python %s: keeping its own buffer handling", kafka.__version__)
        return False
    receive_bytes = parser.KafkaProtocol.receive_bytes
    decode = vars(api_message.ApiMessage)["decode"].__func__

    def receive_views(self: Any, data: bytes) -> Any:
        # The parser slices `data` to fill the frame buffer: slices of a view copy nothing.
        return receive_bytes(self, memoryview(data))

    def decode_view(cls: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
        # The response decoder takes the rest of the frame with `read()`, a copy of it.
        if isinstance(data, frame.KafkaBytes):
            start = data.tell()
            data.seek(len(data))
            data = memoryview(data)[start:]
        return decode(cls, data, *args, **kwargs)

    patches = {
        (parser.KafkaProtocol, "receive_bytes"): receive_views,
        (frame.KafkaBytes, "read"): _frame_read,
        (api_message.ApiMessage, "decode"): classmethod(decode_view),
        (batch, "__init__"): _batch_init,
        (batch, "_maybe_uncompress"): _maybe_uncompress,
        (batch, "_read_msg"): _read_msg,
        (builder, "_maybe_compress"): _maybe_compress,
    }
    for (owner, name), replacement in patches.items():
        KAFKA_PYTHON[(owner, name)] = vars(owner)[name]
        setattr(owner, name, replacement)
    _decode_records_as_views()
    _installed = True
    return True


def _frame_read(self: Any, nbytes: int | None = None) -> bytes:
    """`KafkaBytes.read`: the next `nbytes` (default: the rest) as bytes, in one copy."""
    start = self._idx
    end = len(self) if nbytes is None else min(len(self), start + nbytes)
    self._idx = end
    with memoryview(self) as view:
        return bytes(view[start:end])


def _batch_init(self: Any, buffer: Any) -> None:
    """`DefaultRecordBatch.__init__` over a read-only view of the fetched bytes (kafka-python
    copies them into a bytearray it never writes to)."""
    self._buffer = memoryview(buffer)
    self._header_data = self.HEADER_STRUCT.unpack_from(self._buffer)
    self._pos = self.HEADER_STRUCT.size
    self._num_records = self._header_data[12]
    self._next_record_index = 0
    self._decompressed = False


def _maybe_uncompress(self: Any) -> None:
    """kafka-python's, keeping the decompressed bytes as they are (no bytearray copy)."""
    from kafka.record import default_records as records

    if not self._decompressed:
        compression_type = self.compression_type
        if compression_type != self.CODEC_NONE:
            self._assert_has_codec(compression_type)
            data = self._buffer[self._pos :]
            if compression_type == self.CODEC_GZIP:
                uncompressed = records.gzip_decode(data)
            elif compression_type == self.CODEC_SNAPPY:
                uncompressed = records.snappy_decode(data.tobytes())
            elif compression_type == self.CODEC_LZ4:
                uncompressed = records.lz4_decode(data.tobytes())
            else:
                uncompressed = records.zstd_decode(data.tobytes())
            self._buffer = memoryview(uncompressed)
            self._pos = 0
    self._decompressed = True


def _read_msg(self: Any) -> Any:
    """kafka-python's `DefaultRecordBatch._read_msg` over a view: each key, value and header
    value one copy into bytes (kafka-python made two: a bytearray slice, then bytes)."""
    from kafka.errors import CorruptRecordError
    from kafka.record.default_records import ControlRecord, DefaultRecord
    from kafka.record.util import decode_varint

    buffer = self._buffer
    pos = self._pos
    length, pos = decode_varint(buffer, pos)
    start_pos = pos
    _, pos = decode_varint(buffer, pos)  # attributes: unused
    ts_delta, pos = decode_varint(buffer, pos)
    if self.timestamp_type == self.LOG_APPEND_TIME:
        timestamp = self.max_timestamp
    else:
        timestamp = self.first_timestamp + ts_delta
    offset_delta, pos = decode_varint(buffer, pos)
    offset = self.base_offset + offset_delta

    key_len, pos = decode_varint(buffer, pos)
    key = None
    if key_len >= 0:
        key = buffer[pos : pos + key_len].tobytes()
        pos += key_len
    value_len, pos = decode_varint(buffer, pos)
    value = None
    if value_len >= 0:
        value = buffer[pos : pos + value_len].tobytes()
        pos += value_len

    header_count, pos = decode_varint(buffer, pos)
    if header_count < 0:
        raise CorruptRecordError(f"Found invalid number of record headers {header_count}")
    headers = []
    while header_count:
        h_key_len, pos = decode_varint(buffer, pos)
        if h_key_len < 0:
            raise CorruptRecordError(f"Invalid negative header key size {h_key_len}")
        h_key = str(buffer[pos : pos + h_key_len], "utf-8")
        pos += h_key_len
        h_value_len, pos = decode_varint(buffer, pos)
        h_value = None
        if h_value_len >= 0:
            h_value = buffer[pos : pos + h_value_len].tobytes()
            pos += h_value_len
        headers.append((h_key, h_value))
        header_count -= 1

    if pos - start_pos != length:
        raise CorruptRecordError(
            f"Invalid record size: expected to read {length} bytes in record payload, but "
            f"instead read {pos - start_pos}"
        )
    self._pos = pos
    kind = ControlRecord if self.is_control_batch else DefaultRecord
    return kind(length, offset, timestamp, self.timestamp_type, key, value, headers)


def _zstd_compress(data: memoryview) -> bytes:
    """zstd at kafka-python's settings (level 3, a frame with its size), one compression
    context per thread: kafka-python builds a new one for every batch."""
    compressor = getattr(_zstd, "compressor", None)
    if compressor is None:
        import zstandard

        compressor = _zstd.compressor = zstandard.ZstdCompressor()
    compressed: bytes = compressor.compress(data)
    return compressed


def _maybe_compress(self: Any) -> bool:
    """kafka-python's `DefaultRecordBatchBuilder._maybe_compress`, compressing a view of the
    batch's body instead of two copies of it."""
    from kafka.record import default_records as records

    if self._compression_type == self.CODEC_NONE:
        return False
    self._assert_has_codec(self._compression_type)
    header_size = self.HEADER_STRUCT.size
    body_size = len(self._buffer) - header_size
    with memoryview(self._buffer) as view, view[header_size:] as body:
        if self._compression_type == self.CODEC_GZIP:
            compressed = records.gzip_encode(body)
        elif self._compression_type == self.CODEC_SNAPPY:
            compressed = records.snappy_encode(body.tobytes())
        elif self._compression_type == self.CODEC_LZ4:
            compressed = records.lz4_encode(body.tobytes())
        else:
            compressed = _zstd_compress(body)
    if body_size <= len(compressed):
        return False  # no gain: sent uncompressed, as kafka-python does
    needed_size = header_size + len(compressed)
    del self._buffer[needed_size:]
    self._buffer[header_size:needed_size] = compressed
    return True


def _decode_records_as_views() -> bool:
    """Make the fetch response's `records` field a view of the frame, not a copy of it.

    kafka-python generates one decoder per response version from the schema; its `Bytes`
    fields are copied out (`bytes(data[pos:pos+n])`). The records of a fetch response are
    only ever read (by MemoryRecords, then by the batches above, which copy each value),
    so that one field is given a type that decodes to the slice itself, and decoders
    already generated are dropped. Whether it was done (the schema as expected)."""
    from kafka.protocol.consumer import FetchResponse
    from kafka.protocol.schemas.fields.codecs.types import Bytes

    class RecordsView(Bytes):  # type: ignore[misc]
        @classmethod
        def emit_decode_from(
            cls, ctx: Any, var_name: str, indent: str, compact: bool = False
        ) -> None:
            length = ctx.next_var("ln")
            if compact:
                from kafka.protocol.schemas.fields.codecs.types import UnsignedVarInt32

                UnsignedVarInt32.emit_decode_from(ctx, length, indent)
                ctx.emit(indent, f"{length} -= 1")
            else:
                ctx.emit(indent, f'{length} = unpack_from(">i", data, pos)[0]')
                ctx.emit(indent, "pos += 4")
            ctx.emit(indent, f"if {length} < 0:")
            ctx.emit(indent, f"    {var_name} = None")
            ctx.emit(indent, "else:")
            ctx.emit(indent, f"    {var_name} = data[pos:pos+{length}]")
            ctx.emit(indent, f"    pos += {length}")

    structs: dict[int, Any] = {}
    records: dict[int, Any] = {}

    def walk(field: Any) -> None:
        if id(field) in structs:
            return
        structs[id(field)] = field
        inner = getattr(field, "array_of", None)  # an array of structs: its element
        for child in [*(getattr(field, "_fields", None) or ()), inner]:
            if getattr(child, "name", None) == "records" and getattr(child, "_type", None) is Bytes:
                records[id(child)] = child
            elif child is not None and not isinstance(child, type | str):
                walk(child)

    walk(FetchResponse._struct)
    if not records:
        log.info("kafka-python's fetch response schema is not as expected: records copied")
        return False
    for field in records.values():
        field._type = RecordsView
    for struct in structs.values():
        compiled: dict[Any, Any] = getattr(struct, "_compiled_encoders", None) or {}
        for key in [key for key in compiled if key[0] == "decode"]:
            del compiled[key]
    return True
