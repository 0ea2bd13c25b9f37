"""``crosscoach doctor``: can this machine record?"""


def register(sub) -> None:
    sub.add_parser("doctor", help="check ffmpeg, devices, database and disk")
