"""The driver's day: sign-in, shift, today's route, arrive / deliver / fail, the app's API."""
