"""Recording takes with ffmpeg: devices, commands, the recording process, recovery, take check."""
