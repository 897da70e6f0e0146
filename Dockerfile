# coprod web, worker and beat image. Front-end assets come from the npm registry at build time.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=coprod.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev gcc && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir --upgrade pip
COPY . .
COPY --from=assets /build/node_modules ./node_modules
RUN pip install --no-cache-dir . \
    && SECRET_KEY=build-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
       REDIS_URL=redis://localhost:6379/0 EMAIL_URL=consolemail:// SMS_BACKEND=console \
       python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 coprod && mkdir -p /app/var && chown -R coprod /app/var
USER coprod
EXPOSE 8000
CMD ["gunicorn", "coprod.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
