FROM python:3.12-slim
# No bytecode is written at run time (a read-only image), so it is all compiled here: the
# packages by uv, the project by compileall. Without it every process compiles ~4,000
# modules when it starts.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 PATH=/opt/venv/bin:$PATH
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY . .
RUN python -m compileall -q -j0 -x '/(node_modules|tests|bench)/' /app \
    && python manage.py compilemessages --ignore=.venv -v 0 \
    && DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=build-only-$(head -c 48 /dev/urandom | base64) \
       DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v 0
RUN useradd --create-home desk && chown -R desk /app
USER desk
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
