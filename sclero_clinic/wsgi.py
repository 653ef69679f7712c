import os

from django.core.wsgi import get_wsgi_application

from sclero_clinic.envfile import load_env_file

load_env_file()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sclero_clinic.settings")
application = get_wsgi_application()
