import os

from duban.core.wsgi import warm_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.config.settings")
application = warm_wsgi_application()
