#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the fuzz_audio seeds of every container the system's libsndfile
opens (tests/fuzz/corpus/audio/seed_*): FLAC, Ogg/Vorbis, AIFF, AU, CAF,
W64, RF64, RIFX and a few encodings, and some of them cut short, each a few KB (a short tone at a low
rate), through libsndfile itself (ctypes), so each is what the decoder
meets in the field.  The outputs are committed; run this again only to
add a container:  python3 tests/fuzz/gen_audio_seeds.py [DIR]
"""
import ctypes
import ctypes.util
import math
import os
import sys

SF_WRITE = 0x20
# major formats (sndfile.h)
WAV, AIFF, AU, W64, CAF, RF64, FLAC, OGG = (0x010000, 0x020000, 0x030000, 0x0B0000,
                                            0x180000, 0x220000, 0x170000, 0x200000)
# encodings
PCM_U8, PCM_16, PCM_24, FLOAT, ULAW, IMA_ADPCM, MS_ADPCM, ALAW, VORBIS = (
    0x0005, 0x0002, 0x0003, 0x0006, 0x0010, 0x0012, 0x0013, 0x0011, 0x0060)
ENDIAN_BIG = 0x20000000

# name, format, rate, channels, frames
SEEDS = [
    ("flac_16k.flac", FLAC | PCM_16, 16000, 1, 1600),
    ("vorbis_16k.ogg", OGG | VORBIS, 16000, 1, 1600),
    ("aiff_s16_8k.aiff", AIFF | PCM_16, 8000, 1, 800),
    ("aiff_f32_stereo.aiff", AIFF | FLOAT, 22050, 2, 300),
    ("au_ulaw_8k.au", AU | ULAW, 8000, 1, 1600),
    ("au_s24_48k.au", AU | PCM_24, 48000, 1, 480),
    ("caf_s16_16k.caf", CAF | PCM_16, 16000, 2, 400),
    ("caf_alaw_8k.caf", CAF | ALAW, 8000, 1, 800),
    ("w64_s16_16k.w64", W64 | PCM_16, 16000, 1, 800),
    ("rf64_s16_44k.wav", RF64 | PCM_16, 44100, 1, 441),
    ("rifx_s16_16k.wav", WAV | PCM_16 | ENDIAN_BIG, 16000, 1, 800),
    ("wav_ima_adpcm_16k.wav", WAV | IMA_ADPCM, 16000, 1, 1010),
    ("wav_ms_adpcm_8k.wav", WAV | MS_ADPCM, 8000, 1, 1012),
    # 5 s at 1 kHz: 80000 samples at 16 kHz, past fuzz_audio's READ_BOUND
    ("wav_u8_1k_long.wav", WAV | PCM_U8, 1000, 1, 5000),
]
# Cut short (name, bytes kept): refused at open, or a read fails naming the file.
CUT = [("flac_16k.flac", 400), ("vorbis_16k.ogg", 1800), ("caf_s16_16k.caf", 4200),
       ("rf64_s16_44k.wav", 120)]


class SFInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                ("channels", ctypes.c_int), ("format", ctypes.c_int),
                ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


def write(sf, path, fmt, rate, channels, frames):
    info = SFInfo(0, rate, channels, fmt, 0, 0)
    h = sf.sf_open(path.encode(), SF_WRITE, ctypes.byref(info))
    if not h:
        sys.exit("%s: %s" % (path, sf.sf_strerror(None).decode()))
    data = (ctypes.c_float * (frames * channels))()
    for i in range(frames):
        for c in range(channels):
            data[i * channels + c] = 0.5 * math.sin(2 * math.pi * 440 * (c + 1) * i / rate)
    if sf.sf_writef_float(h, data, ctypes.c_int64(frames)) != frames:
        sys.exit("%s: short write" % path)
    sf.sf_close(h)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                             "corpus", "audio")
    sf = ctypes.CDLL(ctypes.util.find_library("sndfile") or "libsndfile.so.1")
    sf.sf_open.restype = ctypes.c_void_p
    sf.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SFInfo)]
    sf.sf_writef_float.restype = ctypes.c_int64
    sf.sf_writef_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    sf.sf_close.argtypes = [ctypes.c_void_p]
    sf.sf_strerror.restype = ctypes.c_char_p
    sf.sf_strerror.argtypes = [ctypes.c_void_p]
    for name, fmt, rate, channels, frames in SEEDS:
        path = os.path.join(out, "seed_" + name)
        write(sf, path, fmt, rate, channels, frames)
        print("%s: %d bytes" % (path, os.path.getsize(path)))
    for name, keep in CUT:
        base, ext = os.path.splitext(name)
        with open(os.path.join(out, "seed_" + name), "rb") as f:
            data = f.read(keep)
        path = os.path.join(out, "seed_%s_cut%s" % (base, ext))
        with open(path, "wb") as f:
            f.write(data)
        print("%s: %d bytes" % (path, len(data)))


if __name__ == "__main__":
    main()
