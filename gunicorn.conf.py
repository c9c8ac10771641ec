# Gunicorn reads this file from its working directory (/app in the image) whatever the command
# line says: access and error logs mask phone and ID numbers and drop the tracking link's key.
logger_class = "zongzhi.gunicorn_logging.RedactingLogger"
