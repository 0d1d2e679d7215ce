package dev.orchestrate.vast.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import okhttp3.ResponseBody;
import retrofit2.Call;
import retrofit2.http.Body;
import retrofit2.http.GET;
import retrofit2.http.HTTP;
import retrofit2.http.POST;
import retrofit2.http.PUT;
import retrofit2.http.Path;
import retrofit2.http.Query;
import retrofit2.http.Url;

/**
 * The Vast.ai REST endpoints we use, as the official CLI calls them (trailing slashes kept, a JSON
 * body on every write). Responses stay {@link JsonNode} so that {@link VastCalls} can check the
 * {@code success} flag of HTTP-200 errors before binding. Package-private: Retrofit stays here.
 */
interface VastApi {
  @POST("api/v0/bundles/")
  Call<JsonNode> searchOffers(@Body ObjectNode query);

  @PUT("api/v0/asks/{offerId}/")
  Call<JsonNode> createInstance(@Path("offerId") long offerId, @Body ObjectNode body);

  @GET("api/v0/instances/{id}/")
  Call<JsonNode> showInstance(@Path("id") long id);

  @GET("api/v1/instances/")
  Call<JsonNode> listInstances(
      @Query("select_filters") String selectFilters,
      @Query("limit") Integer limit,
      @Query("after_token") String afterToken);

  /**
   * The deprecated unpaginated list; only a fallback where v1 is missing (now 410 on most
   * accounts).
   */
  @GET("api/v0/instances/")
  Call<JsonNode> listInstancesV0(@Query("owner") String owner);

  @HTTP(method = "DELETE", path = "api/v0/instances/{id}/", hasBody = true)
  Call<JsonNode> destroyInstance(@Path("id") long id, @Body ObjectNode empty);

  @PUT("api/v0/instances/{id}/")
  Call<JsonNode> updateInstance(@Path("id") long id, @Body ObjectNode body);

  @GET("api/v0/ssh/")
  Call<JsonNode> listAccountKeys();

  @POST("api/v0/ssh/")
  Call<JsonNode> addAccountKey(@Body ObjectNode body);

  @HTTP(method = "DELETE", path = "api/v0/ssh/{keyId}/", hasBody = true)
  Call<JsonNode> deleteAccountKey(@Path("keyId") long keyId, @Body ObjectNode empty);

  @POST("api/v0/instances/{id}/ssh/")
  Call<JsonNode> attachInstanceKey(@Path("id") long id, @Body ObjectNode body);

  @GET("api/v0/instances/{id}/ssh/")
  Call<JsonNode> listInstanceKeys(@Path("id") long id);

  @PUT("api/v0/instances/request_logs/{id}/")
  Call<JsonNode> requestLogs(@Path("id") long id, @Body ObjectNode body);

  @GET("api/v0/users/current/")
  Call<JsonNode> currentUser();

  /** Fetches a presigned result URL (logs); the auth interceptor never sends the key off-host. */
  @GET
  Call<ResponseBody> fetch(@Url String url);
}
