"""G.722, Opus, L16 and CN through Encoder and Decoder: the suite shared with the mobile
binding (tests/python/codec_suite.py), and what is Python's own: Opus settings as keyword
arguments, the encoder's repr and numpy output from concealment."""

import pytest

import mediacore
from binding import Binding
from codec_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)


def test_opus_settings_show_in_repr():
    assert repr(mediacore.Encoder("opus", 16000, 1)) == (
        "Encoder('opus', 16000, 1, application='voip', bitrate=24000, complexity=9, cbr=True, "
        "inband_fec=False, expected_loss_percent=0, frame_ms=20)"
    )
    assert repr(mediacore.Encoder("PCMU", 8000, 1)) == "Encoder('PCMU', 8000, 1)"


def test_opus_keyword_arguments_take_none_and_any_case():
    enc = mediacore.Encoder("opus", 16000, 1, application="AUDIO", bitrate=None, cbr=None)
    assert enc.opus_settings == dict(Binding.OPUS_DEFAULTS, application="audio")
    # None sets nothing, so it is no Opus setting for another codec either.
    assert mediacore.Encoder("PCMU", 8000, 1, bitrate=None).opus_settings is None


def test_opus_settings_for_another_codec_are_an_error():
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Encoder("PCMU", 8000, 1, bitrate=64000, cbr=True)
    assert str(err.value) == "invalid argument: bitrate, cbr only apply to the opus codec; got PCMU"


def test_opus_application_names():
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Encoder("opus", 16000, 1, application="music")
    assert str(err.value) == (
        'invalid argument: opus application "music" is not known; allowed "voip" or "audio"'
    )


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(bitRate=32000), TypeError,
         "unexpected keyword argument 'bitRate'; the Opus settings are application, bitrate, "
         "complexity, cbr, inband_fec, expected_loss_percent, frame_ms"),
        (dict(bitrate="32k"), TypeError, "argument 'bitrate': "),
        (dict(complexity=300), OverflowError, "argument 'complexity': "),
        (dict(cbr=1), TypeError, "argument 'cbr': "),
        (dict(application=1), TypeError, "argument 'application': "),
    ],
)
def test_opus_keyword_arguments_of_the_wrong_name_or_type(kwargs, error, message):
    with pytest.raises(error) as err:
        mediacore.Encoder("opus", 16000, 1, **kwargs)
    assert str(err.value).startswith(message)


def test_opus_settings_are_keyword_only():
    with pytest.raises(TypeError):
        mediacore.Encoder("opus", 16000, 1, 24000)


def test_concealment_as_numpy():
    np = pytest.importorskip("numpy")
    dec = mediacore.Decoder("opus", 16000, 1)
    out = dec.conceal(160, numpy=True)
    assert isinstance(out, np.ndarray) and out.dtype == np.int16 and out.shape == (160,)
    fec = dec.decode_fec(b"", 160, numpy=True)
    assert isinstance(fec, np.ndarray) and fec.shape == (160,)
