export APP_MODE=production
